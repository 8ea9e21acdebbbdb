"""The surveys app's pages, one module per part: definitions, invitations, the public answer
page, reviews of flagged answers, analysis."""
