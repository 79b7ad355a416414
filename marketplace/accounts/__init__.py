"""People: the custom user, shoppers, operators and their roles."""
