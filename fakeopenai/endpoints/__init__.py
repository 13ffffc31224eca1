"""One module per API family: each parses its requests and renders replies into its wire format."""
