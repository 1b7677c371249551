"""The conversation engine: service definitions, questions, rules and keywords."""
