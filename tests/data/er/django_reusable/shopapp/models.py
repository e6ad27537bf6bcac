from shopapp.abstract_models import *  # noqa: F403
from shopapp.loading import is_model_registered

if not is_model_registered("shop", "Order"):

    class Order(AbstractOrder):  # noqa: F405
        pass


if not is_model_registered("shop", "Line"):

    class Line(AbstractLine):  # noqa: F405
        pass
