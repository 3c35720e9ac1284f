"""The option picker of a product with options: which variant the shopper chose, and which
values can still be chosen with it (for a form that works without JavaScript)."""

from dataclasses import dataclass

from catalog.models import Product

FIELDS = ("option1", "option2")  # the form's field names, one per option of the product


@dataclass(frozen=True)
class Choice:
    value: str
    selected: bool
    exists: bool  # a variant has this value with the other values chosen
    in_stock: bool  # and it can be bought

    @property
    def note(self) -> str:
        if not self.exists:
            return "not available"
        return "" if self.in_stock else "sold out"


@dataclass(frozen=True)
class Option:
    name: str
    field: str
    choices: list[Choice]


@dataclass(frozen=True)
class Picker:
    options: list[Option]
    variant: Product | None  # the chosen combination, if a variant has it


def values_of(product: Product, variants: list[Product]) -> list[list[str]]:
    """Each option's values, in the order the variants first use them."""
    found: list[list[str]] = [[] for _ in product.option_names]
    for variant in variants:
        for values, value in zip(found, variant.option_values, strict=False):
            if value not in values:
                values.append(value)
    return found


def pick(product: Product, variants: list[Product], params) -> Picker:
    """The picker for `params` (a query dict): `variant` (an id, as a cart links to it) or one
    value per option (`option1`, `option2`). Without a usable choice, the first variant in
    stock (else the first) is chosen. `variants` are the product's active ones."""
    by_id = {str(variant.pk): variant for variant in variants}
    chosen = by_id.get(params.get("variant", ""))
    wanted = chosen.option_values if chosen else [params.get(f, "") for f in FIELDS]
    values = values_of(product, variants)
    wanted = [
        value if value in allowed else "" for value, allowed in zip(wanted, values, strict=False)
    ]
    if chosen is None:
        chosen = _match(variants, wanted)
    if chosen is None and not any(wanted):
        chosen = next((v for v in variants if v.stock > 0), variants[0] if variants else None)
    if chosen is not None:
        wanted = [*chosen.option_values, "", ""][: len(values)]
    options = [
        Option(name, FIELDS[axis], [_choice(variants, wanted, axis, v) for v in values[axis]])
        for axis, name in enumerate(product.option_names)
    ]
    return Picker(options, chosen)


def _match(variants: list[Product], wanted: list[str]) -> Product | None:
    return next((v for v in variants if v.option_values == wanted), None)


def _choice(variants: list[Product], wanted: list[str], axis: int, value: str) -> Choice:
    combination = [*wanted]
    combination[axis] = value
    variant = _match(variants, combination)
    return Choice(
        value,
        selected=value == wanted[axis],
        exists=variant is not None,
        in_stock=variant is not None and variant.stock > 0,
    )
