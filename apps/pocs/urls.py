from django.urls import path

from apps.pocs import views

app_name = "pocs"
urlpatterns = [
    path("", views.poc_list, name="list"),
    path("<int:pk>/", views.poc_detail, name="detail"),
    path("<int:pk>/field/<str:field>/", views.poc_field, name="field"),
    path("<int:pk>/transition/", views.poc_transition, name="transition"),
    path("<int:pk>/new-attempt/", views.poc_new_attempt, name="new-attempt"),
    path("<int:pk>/people/", views.poc_people, name="people"),
    path("<int:pk>/people/search/", views.poc_people_search, name="people-search"),
    path("<int:pk>/people/<int:membership_id>/", views.poc_member_change, name="member-change"),
    path("<int:pk>/activity/", views.poc_activity, name="activity"),
    path("<int:pk>/activity/<int:event_id>/", views.poc_activity_event, name="activity-event"),
    path("<int:pk>/summary/", views.poc_summary, name="summary"),
    path("<int:pk>/jobs/<int:job_id>/", views.poc_job, name="job"),
]
