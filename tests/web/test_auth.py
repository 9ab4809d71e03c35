"""Signing in and out, CSRF, rate limits, cookies, language."""
from __future__ import annotations

import pytest

from web.cli import main

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


def login_from(client, address: str, username: str, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def test_wrong_passwords_slow_down_one_address_and_never_lock_the_user_out(client, clock):
    for _ in range(5):
        assert login_from(client, "203.0.113.9", "sara", "wrong-password!").status_code == 401
    blocked = login_from(client, "203.0.113.9", "sara")        # even the right password, for a while
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) == 30
    assert "صبر کنید" in blocked.get_data(as_text=True)
    elsewhere = sqlite_client_like(client)                       # the real user, from their own desk
    assert login_from(elsewhere, "198.51.100.7", "sara").status_code == 302
    assert elsewhere.get("/inbox").status_code == 200
    clock.advance(seconds=30)                                    # the delay has run: heard again
    assert login_from(client, "203.0.113.9", "sara", "wrong-again!!").status_code == 401
    again = login_from(client, "203.0.113.9", "sara")
    assert again.status_code == 429 and int(again.headers["Retry-After"]) == 60   # and it grows
    clock.advance(seconds=60)
    assert login_from(client, "203.0.113.9", "sara").status_code == 302


def test_failures_are_recorded_with_address_and_time_for_administrators(client, sqlite_app):
    login_from(client, "203.0.113.9", "sara", "wrong-password!")
    login_from(client, "203.0.113.9", "nobody", "whatever-it-is")
    login_from(client, "198.51.100.7", "sara")
    result = sqlite_app.test_cli_runner().invoke(main, args=["sign-in-failures", "--hours", "1"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines == ["2026-03-21T08:00:00+00:00\t203.0.113.9\tnobody", "2026-03-21T08:00:00+00:00\t203.0.113.9\tsara"]


def sqlite_client_like(client):
    return client.application.test_client()


def test_a_session_cookie_replayed_after_sign_out_is_refused(client):
    login(client, "sara")
    stolen = client.get_cookie("session").value
    token = csrf_token(client, "/inbox")
    client.post("/logout", data={"csrf_token": token})
    replay = client.application.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/inbox").status_code == 302


def test_signing_out_ends_the_users_other_sessions_too(client):
    login(client, "sara")
    laptop = client.application.test_client()
    login(laptop, "sara")
    token = csrf_token(client, "/inbox")
    client.post("/logout", data={"csrf_token": token})
    assert laptop.get("/inbox").status_code == 302


def test_a_password_change_ends_every_session(client, sqlite_app):
    login(client, "sara")
    copied = client.get_cookie("session").value
    result = sqlite_app.test_cli_runner().invoke(main, args=["set-password", "sara", "--password-stdin"],
                                                 input="another-long-password\n")
    assert result.exit_code == 0, result.output
    assert client.get("/inbox").status_code == 302
    replay = sqlite_app.test_client()
    replay.set_cookie("session", copied)
    assert replay.get("/inbox").status_code == 302


@pytest.mark.parametrize("command", ["deactivate-user", "sign-out-everywhere"])
def test_deactivation_and_sign_out_everywhere_end_every_session(client, sqlite_app, command):
    login(client, "sara")
    assert client.get("/inbox").status_code == 200
    result = sqlite_app.test_cli_runner().invoke(main, args=[command, "sara"])
    assert result.exit_code == 0, result.output
    assert client.get("/inbox").status_code == 302
    assert (login(client, "sara").status_code == 302) is (command == "sign-out-everywhere")


def test_sessions_end_when_idle_and_after_their_longest_life(client, sqlite_app, clock):
    sqlite_app.config.update(SESSION_IDLE_MINUTES=30, SESSION_MAX_HOURS=2)
    login(client, "sara")
    clock.advance(minutes=29)
    assert client.get("/inbox").status_code == 200                 # in use: kept alive
    clock.advance(minutes=29)
    assert client.get("/inbox").status_code == 200
    clock.advance(minutes=31)                                        # idle too long
    assert client.get("/inbox").status_code == 302
    login(client, "sara")
    for _ in range(4):
        clock.advance(minutes=29)
        assert client.get("/inbox").status_code == 200
    clock.advance(minutes=5)                                         # 2 h 1 min after signing in
    assert client.get("/inbox").status_code == 302


def test_redirect_after_sign_in_stays_on_this_site(client):
    token = csrf_token(client)
    response = client.post("/login", data={"username": "sara", "password": PASSWORD, "csrf_token": token,
                                           "next": "//evil.example/"})
    assert response.headers["Location"] == "/inbox"


def test_the_api_token_route_is_throttled_the_same_way(client):
    def token(address, password):
        return client.post("/api/v1/auth/token", json={"username": "sara", "password": password},
                           environ_base={"REMOTE_ADDR": address})

    for _ in range(5):
        assert token("203.0.113.9", "wrong-password!").status_code == 401
    blocked = token("203.0.113.9", PASSWORD)
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "30"
    assert blocked.get_json()["error"] == "TooManyAttempts"
    assert token("198.51.100.7", PASSWORD).status_code == 200
