"""Graph adapters against the fake Graph server, through the real msgraph-sdk."""
