"""What every feature shares: the API blueprint, errors, validation helpers,
security headers, rate limits, metrics and the OpenAPI document."""
