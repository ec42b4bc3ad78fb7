"""The write model: the Person aggregate, the pooling application and the pure pension rules."""
