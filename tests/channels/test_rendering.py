"""Template text: the small, safe syntax, and errors that name the problem."""

import datetime as dt

import pytest

from retain.channels.rendering import MissingValues, TemplateSyntaxError, check, parse, render, variables


def test_variables_are_replaced_and_braces_escaped():
    text = "{customer_name}您好！{{优惠}} 到 {due_date} 为止，{customer_name}。"
    assert variables(text) == ["customer_name", "due_date"]
    assert render(text, {"customer_name": "李雷", "due_date": dt.date(2026, 7, 1)}) == \
        "李雷您好！{优惠} 到 2026-07-01 为止，李雷。"


def test_text_without_variables_renders_as_is():
    assert parse("") == [("", None)]
    assert render("谢谢 }} {{", {}) == "谢谢 } {"


@pytest.mark.parametrize("text, says", [
    ("您好 {customer_name", "is not closed"),
    ("您好 {customer_{name}}", "is not closed"),
    ("您好 }", "closes nothing"),
    ("{}", "names no variable"),
    ("{customer.name}", "attribute and index access are not allowed"),
    ("{customer.__class__}", "attribute and index access are not allowed"),
    ("{names[0]}", "attribute and index access are not allowed"),
    ("{customer_name!r}", "formatting is not allowed"),
    ("{customer_name:>20}", "formatting is not allowed"),
    ("{0}", "is not a variable name"),
    ("{Customer Name}", "is not a variable name"),
    ("{% if x %}", "is not a variable name"),
])
def test_bad_syntax_is_refused_naming_the_problem(text, says):
    with pytest.raises(TemplateSyntaxError, match=says):
        parse(text)


def test_unknown_variable_is_named_with_the_known_ones():
    with pytest.raises(TemplateSyntaxError) as caught:
        check("您好 {customer_name}，{cusomer_name}", {"customer_name", "dealer_name"})
    assert "{cusomer_name}" in str(caught.value) and "{dealer_name}" in str(caught.value)
    check("您好 {customer_name}", {"customer_name"})  # a known one passes


def test_a_missing_value_is_an_error_never_a_blank():
    with pytest.raises(MissingValues) as caught:
        render("{customer_name}，{festival}快乐", {"customer_name": "李雷"})
    assert caught.value.names == ["festival"]


def test_values_are_placed_not_interpreted():
    """A value that looks like a variable or a format stays text."""
    assert render("{customer_name}", {"customer_name": "{dealer_name} {0.__class__}"}) == "{dealer_name} {0.__class__}"
