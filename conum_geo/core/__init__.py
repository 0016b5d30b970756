"""The domain core: types and rules of the product, no input or output."""
