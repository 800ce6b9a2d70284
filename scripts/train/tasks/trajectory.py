"""A trajectory: the tokens of one solved problem with the role of each token.

Roles: "prompt" (the question), "command" (a tool command the model writes), "observation" (a token
the tool answers, forced into the model), "thought" and "output" (tokens the model writes to the
tape; outputs come after the answer marker), "stop". The loss covers what the model writes: command,
thought, output and stop; prompt and observations are masked.
"""

WRITTEN = {"command", "thought", "output", "stop"}


class Trajectory:
    def __init__(self):
        self.tokens = []
        self.roles = []

    def add(self, role, *tokens):
        for t in tokens:
            self.tokens.append(t)
            self.roles.append(role)

    def loss_mask(self):
        """1 where the token is one the model must write (predicted from the tokens before it)."""
        return [1 if r in WRITTEN else 0 for r in self.roles]

    def output(self):
        return [t for t, r in zip(self.tokens, self.roles) if r == "output"]

    def __len__(self):
        return len(self.tokens)
