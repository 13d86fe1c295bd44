"""Query values that are dates or date-times (no operation has one yet; the spec may gain
one): a timezone-aware `datetime` goes out as RFC 3339 with its offset, a `date` as an RFC 3339
full-date; a naive `datetime` is refused before sending with an `InvalidParameterError` naming
the parameter (the server must not have to guess the zone), whether or not requests are
validated."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from urllib.parse import unquote

import attrs
import pytest

from liveops_async import InvalidParameterError, LiveOpsClient, RequestValidationError
from liveops_async._utils._params import ParameterValidator
from liveops_async._utils._query import encode_query

from . import _ops
from .conftest import ScriptedServer

PLUS_3 = timezone(timedelta(hours=3))
# A list operation as the spec may gain it: a date-time and a date query parameter.
EVENTS = attrs.evolve(
    _ops.GET_COUPON,
    operation_id="list-events",
    path="/v3/project/{project_id}/admin/events",
    response_type=None,
    path_schemas={},
    query_schemas={
        "since": {"type": "string", "format": "date-time"},
        "days[]": {"type": "array", "items": {"type": "string"}},
    },
)


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        (datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc), "2026-06-01T12:00:00+00:00"),
        (datetime(2026, 6, 1, 12, 0, 5, 250, tzinfo=PLUS_3), "2026-06-01T12:00:05.000250+03:00"),
        # RFC 3339 offsets have no seconds: such a zone goes out as the same instant in UTC.
        (
            datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=1, seconds=30))),
            "2026-06-01T10:59:30+00:00",
        ),
        (date(2026, 6, 1), "2026-06-01"),
    ],
)
def test_dates_go_out_as_rfc_3339(value: date, sent: str) -> None:
    assert unquote(encode_query({"since": value})) == f"since={sent}"
    assert unquote(encode_query({"days[]": [value]})) == f"days[]={sent}"


@pytest.mark.parametrize(
    "query", [{"since": datetime(2026, 6, 1)}, {"days[]": [datetime(2026, 6, 1)]}]
)
def test_a_naive_datetime_is_refused_naming_the_parameter(query: dict[str, object]) -> None:
    [name] = query
    with pytest.raises(
        InvalidParameterError, match=rf"query parameter {re.escape(name)}: .*no time zone"
    ):
        encode_query(query)


@pytest.mark.parametrize("validate", [True, False])
async def test_through_a_client(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient], validate: bool
) -> None:
    client = make_client(base_url=server.base_url, validate_requests=validate, max_retries=0)
    requester = client.requester(client._admin_auth)
    with pytest.raises(
        InvalidParameterError, match=r"query parameter since: .*no time zone"
    ) as caught:
        await requester.request(EVENTS, query={"since": datetime(2026, 6, 1, 12)})
    assert not isinstance(caught.value, RequestValidationError)
    assert server.seen == []

    moment = datetime(2026, 6, 1, 12, tzinfo=PLUS_3)
    await requester.request(EVENTS, query={"since": moment, "days[]": [date(2026, 6, 2)]})
    [seen] = server.seen
    assert unquote(seen.raw_path).endswith("?since=2026-06-01T12:00:00+03:00&days[]=2026-06-02")


async def test_a_date_for_a_date_time_is_refused_by_the_check(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    client = make_client(base_url=server.base_url, max_retries=0)
    with pytest.raises(RequestValidationError) as caught:
        await client.requester(client._admin_auth).request(
            EVENTS, query={"since": date(2026, 6, 1)}
        )
    assert caught.value.problems == (
        "since: '2026-06-01' is not a 'date-time' (RFC 3339 with a time zone, such as "
        "'2026-06-01T12:00:00Z')",
    )
    assert server.seen == []


def test_a_date_as_a_path_value_is_refused_by_the_check_not_sent_as_text() -> None:
    # The path encoder takes no dates: the check judges the value as it is, not as query text.
    validator = ParameterValidator({"day": {"type": "string"}}, {"day": {"type": "string"}})
    assert validator.problems({"day": date(2026, 6, 1)}, None) == [
        "day: datetime.date(2026, 6, 1) is not of type 'string'"
    ]
    assert validator.problems(None, {"day": date(2026, 6, 1)}) == []
