"""aio.client.paths.segment: a user's name for a job, session or worklet as one path segment."""

from __future__ import annotations

from urllib.parse import quote, unquote

from hypothesis import given
from hypothesis import strategies as st

from aio.client.paths import segment

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)))


@given(TEXT)
def test_segment_encodes_as_urllib_does_and_round_trips(text: str) -> None:
    encoded = segment(text)
    assert encoded == quote(text, safe="")
    assert unquote(encoded) == text
    assert not set("/?#") & set(encoded)  # it stays one segment
