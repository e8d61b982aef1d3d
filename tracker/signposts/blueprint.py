"""The signposts' blueprint: its pages hang under their recommendation's address."""

from flask import Blueprint

bp = Blueprint("signposts", __name__, url_prefix="/recommendations")
