"""The surveys app's JSON API, one router per part (registered in ``retain.api``)."""
