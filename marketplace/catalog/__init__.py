"""Categories, products, variants, stock, prices, images and search."""
