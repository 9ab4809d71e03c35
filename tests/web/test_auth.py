"""Signing in and out, CSRF, rate limits, cookies, language."""
from __future__ import annotations

import pytest

from .browser_helpers import PASSWORD, csrf_token, login, make_user


@pytest.fixture
def client(sqlite_app):
    with sqlite_app.app_context():
        make_user("sara", ["cluster_expert"], ["tehran"])
    return sqlite_app.test_client()


def test_sign_in_page_is_persian_and_right_to_left_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in page
    assert "ورود" in page and "bootstrap.rtl.min.css" in page and "Vazirmatn" in page


def test_english_is_one_click_away(client):
    token = csrf_token(client)
    response = client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": token})
    assert response.status_code == 302
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page and "Sign in" in page and "bootstrap.min.css" in page


def test_sign_in_and_out(client):
    assert client.get("/inbox").status_code == 302            # not signed in: to the sign-in page
    response = login(client, "sara")
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "کارتابل من" in client.get("/inbox").get_data(as_text=True)
    token = csrf_token(client, "/inbox")
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/inbox").status_code == 302


def test_cookies_are_secure_over_https(sqlite_app):
    with sqlite_app.app_context():
        make_user("sara", ["cluster_expert"], ["tehran"])
    client = sqlite_app.test_client()
    token = csrf_token(client, "/login", base_url="https://localhost")
    response = client.post("/login", base_url="https://localhost", headers={"Referer": "https://localhost/login"},
                           data={"username": "sara", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and "Secure" in response.headers.get("Set-Cookie", "")


def test_wrong_password_and_unknown_user_read_the_same(client):
    wrong = login(client, "sara", "not-the-password")
    unknown = login(client, "nobody", "whatever-it-is")
    assert wrong.status_code == unknown.status_code == 401
    assert "نام کاربری یا گذرواژه نادرست است." in wrong.get_data(as_text=True)


def test_forms_without_csrf_token_are_refused(client):
    response = client.post("/login", data={"username": "sara", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/inbox").status_code == 302


def test_sign_in_attempts_are_rate_limited(client):
    for _ in range(5):
        assert login(client, "sara", "wrong-password!").status_code == 401
    blocked = login(client, "sara")                           # even the right password, for a while
    assert blocked.status_code == 429
    assert "۱۵ دقیقه" in blocked.get_data(as_text=True)


def test_redirect_after_sign_in_stays_on_this_site(client):
    token = csrf_token(client)
    response = client.post("/login", data={"username": "sara", "password": PASSWORD, "csrf_token": token,
                                           "next": "//evil.example/"})
    assert response.headers["Location"] == "/inbox"
