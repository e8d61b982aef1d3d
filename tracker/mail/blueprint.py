"""The mail area's blueprint, which its views register their routes on."""

from flask import Blueprint

bp = Blueprint("mail", __name__)
