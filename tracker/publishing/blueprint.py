"""The publishing area's blueprint: the public site's own routes, the embeds and the review."""

from flask import Blueprint

bp = Blueprint("publishing", __name__)
