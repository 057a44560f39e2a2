"""Token and session authentication, /me/, and error messages in the caller's language."""

import pytest

from tests.accounts.conftest import add_totp, log_in, totp_code
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_token_login_then_me(api, street_admin):
    client = api()
    code = totp_code(add_totp(street_admin))  # a street admin must use two-factor authentication

    token = client.post(
        "/api/v1/auth/token/", {"username": "street_admin", "password": PASSWORD, "otp": code}
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/").json()

    assert me["username"] == "street_admin"
    assert me["roles"] == [
        {
            "role": "street_admin",
            "role_display": "街道管理员",
            "area": "S1",
            "area_name": "新碶街道",
            "area_level": "street",
            "start_date": me["roles"][0]["start_date"],
            "end_date": None,
        }
    ]


def test_wrong_password_is_a_json_error_in_chinese(api, street_admin):
    response = api().post("/api/v1/auth/token/", {"username": "street_admin", "password": "nope"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == "无法使用提供的认证信息登录。请检查用户名和密码。"


def test_anonymous_gets_401_with_how_to_fix(api, tree):
    response = api().get("/api/v1/areas/")

    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "not_authenticated"
    assert "/api/v1/auth/token/" in error["message"]


def test_anonymous_error_in_english_on_request(api, tree):
    response = api(language="en").get("/api/v1/areas/")

    assert response.status_code == 401
    assert response.json()["error"]["message"] == (
        "Authentication required: get a token with POST /api/v1/auth/token/ "
        "and send the header Authorization: Token <token>."
    )


def test_session_auth_works_for_pages_and_api(client, community_worker):
    # Through the login page: django-axes needs the request to count failures.
    assert log_in(client, "community_worker").status_code == 302

    response = client.get("/api/v1/me/")

    assert response.json()["username"] == "community_worker"


def test_unknown_api_path_is_json_404(api, street_admin):
    response = api(street_admin).get("/api/v1/areas/NOPE/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "管辖范围" in response.json()["error"]["message"]
