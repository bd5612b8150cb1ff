"""Messages made of several translatable parts (a list of products, of problems), for a DomainError's params."""
from pos.errors import Text


class TextList(Text):
    """Texts joined by a separator; each part reads in the request's language, or in English outside one."""

    def __init__(self, parts, separator: str = ", "):
        super().__init__("")
        self.parts, self.separator = list(parts), separator

    def render(self, translate: bool) -> str:
        return self.separator.join(p.render(translate) if isinstance(p, Text) else str(p) for p in self.parts)
