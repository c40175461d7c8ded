from portal.models.enums import Role


def test_login_and_bureau_facilities(client, auth, make_user, make_facility):
    make_facility(name="南通市第一人民医院")
    make_user(Role.ADMIN, "admin1")
    response = auth.login("admin1")
    assert response.status_code == 302
    page = client.get("/bureau/facilities?q=第一人民")
    assert page.status_code == 200
    assert "南通市第一人民医院" in page.get_data(as_text=True)
