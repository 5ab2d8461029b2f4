"""``GET /api/v1/portfolio/``: the Portfolio page's rows and figures, under the same access scope."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from apps.portfolio import selectors
from apps.portfolio.api.serializers import PortfolioPageSerializer

PARAMETERS = [
    OpenApiParameter("stage", OpenApiTypes.STR, description="A stage"),
    OpenApiParameter("business_unit", OpenApiTypes.INT, description="A business unit's id"),
    OpenApiParameter("risk", OpenApiTypes.STR, description="low, medium or high (the worst stall-risk level)"),
    OpenApiParameter("decision_maker", OpenApiTypes.INT, description="The decision-maker's user id"),
    OpenApiParameter("overdue", OpenApiTypes.BOOL, description="Decision due date passed without a signed decision"),
    OpenApiParameter("q", OpenApiTypes.STR, description="Part of the name"),
    OpenApiParameter(
        "ordering", OpenApiTypes.STR, description=f"A column ({', '.join(selectors.ORDERINGS)}); '-' first reverses it"
    ),
    OpenApiParameter(
        "since", OpenApiTypes.DATE, description="Start of the graduation-rate period (default: a year ago)"
    ),
    OpenApiParameter("until", OpenApiTypes.DATE, description="End of the period (default: today)"),
    OpenApiParameter("page", OpenApiTypes.INT),
    OpenApiParameter("page_size", OpenApiTypes.INT, description=f"At most {selectors.MAX_PAGE_SIZE}"),
]


class PortfolioView(APIView):
    """Every PoC the caller may see, filtered and sorted, one page at a time, with the figures
    (``aggregates``) over every filtered PoC, not just the page."""

    @extend_schema(
        parameters=PARAMETERS,
        responses={200: PortfolioPageSerializer, 400: OpenApiResponse(description="A bad filter, named")},
    )
    def get(self, request):
        filters = selectors.parse_filters(request.query_params)
        size = self._page_size(request)
        if filters.errors:
            raise ValidationError(filters.errors)
        number = request.query_params.get("page") or 1
        page = selectors.portfolio_page(request.user, filters, page=number, size=size)
        url = request.build_absolute_uri()
        return Response(
            {
                "count": page.count,
                "next": replace_query_param(url, "page", page.number + 1) if page.has_next else None,
                "previous": (
                    None
                    if not page.has_previous
                    else remove_query_param(url, "page")
                    if page.number == 2
                    else replace_query_param(url, "page", page.number - 1)
                ),
                "results": [selectors.row(values, page.today) for values in page.rows],
                "aggregates": page.aggregates,
            }
        )

    @staticmethod
    def _page_size(request) -> int:
        value = request.query_params.get("page_size")
        if not value:
            return selectors.PAGE_SIZE
        try:
            size = int(value)
        except ValueError:
            raise ValidationError({"page_size": [f"“{value[:40]}” is not a number."]}) from None
        if not 1 <= size <= selectors.MAX_PAGE_SIZE:
            raise ValidationError({"page_size": [f"Between 1 and {selectors.MAX_PAGE_SIZE}."]})
        return size
