"""The kernel: events in, actions out; storage, delivery, commands, languages. It imports no
feature and no adapter."""
