"""Cart, checkout, the split per vendor, fulfilment, after-sales and settlement."""
