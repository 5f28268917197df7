"""The network of one partnership's schools, for its members."""

from ..access import partnership_route
from ..htmx import render
from . import network, network_bp


@network_bp.get("/", strict_slashes=False)
@partnership_route()
def index(access):
    return render(
        "exchange/network.html",
        "exchange/_network.html",
        graph=network.network([access.partnership_id]),
        heading=f"Schools working together in {access.partnership.name}",
        dom_id="network",
        back=None,
    )
