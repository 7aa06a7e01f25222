//! Connector and task traits, the class-name registry, and the built-in connectors.
