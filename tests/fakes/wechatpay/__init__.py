"""A stateful fake of WeChat Pay's e-commerce (平台收付通) API behind ``responses``."""
