from django.urls import path

from gongzhi.accounts import views

app_name = "accounts"

urlpatterns = [
    path("security/", views.security, name="security"),
    path("password/", views.password_change, name="password_change"),
    path("two-factor/verify/", views.otp_verify, name="otp_verify"),
    path("two-factor/enrol/", views.otp_enrol, name="otp_enrol"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("two-factor/disable/", views.otp_disable, name="otp_disable"),
    path("tokens/", views.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("locks/", views.locks, name="locks"),
    path("users/", views.users, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_security, name="user_security"),
]
