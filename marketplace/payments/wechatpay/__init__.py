"""The WeChat Pay adapter of the payment-provider port (平台收付通, profit sharing)."""
