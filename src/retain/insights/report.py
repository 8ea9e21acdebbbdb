"""Plain-text summaries of a scoring run, for the terminal."""

from retain.analytics import rfm

from .services import Scores


def describe(scores: Scores) -> str:
    run, frame = scores.run, scores.frame
    scope = run.dealer.code if run.dealer else "whole group"
    lines = [f"Scores as of {run.as_of} for {scope} ({run.kinds}): {run.customers:,} customers, "
             f"revenue {run.summary['revenue']:,.2f} yuan; stored as run #{run.pk}."]
    for name, model in run.fitted.items():
        params = ", ".join(f"{k} = {v:.4g} (se {model['se'][k]:.2g})" for k, v in model["params"].items())
        lines.append(f"  {name}: {params}; log-likelihood {model['loglik']:.1f}")
    if "segments" in run.summary:
        lines += ["", "RFM segment           customers   share"]
        for key, (en, zh, _rule) in rfm.SEGMENTS.items():
            count = run.summary["segments"].get(key, 0)
            lines.append(f"  {en:<18} {zh:<8} {count:>9,}  {count / run.customers:6.1%}")
    if "clv" in run.summary:
        lines += ["", f"Next 12 months: {run.summary['expected_purchases']:,.0f} expected visits, "
                      f"CLV {run.summary['clv']:,.0f} yuan (discounted 1% a month); "
                      f"mean P(alive) {frame['p_alive'].mean():.2f}"]
    if "tiers" in run.summary:
        lines += ["", f"Customer pyramid by {run.summary['pyramid_value']} "
                      f"(top 20% hold {run.summary['top_20_percent_share']:.0%} of it):"]
        value = frame["clv"] if run.summary["pyramid_value"] == "clv" else frame["total"]
        for key, (en, zh, *_rest) in rfm.TIERS.items():
            members = frame["tier"] == key
            lines.append(f"  {en:<9} {zh:<6} {int(members.sum()):>9,} customers  {value[members].sum():>16,.0f} yuan")
    return "\n".join(lines)
