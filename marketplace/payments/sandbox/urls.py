from django.urls import path

from marketplace.payments.sandbox import views

app_name = "sandbox"
urlpatterns = [
    path("pay/<str:payment_id>/", views.pay_page, name="pay"),
    path("pay/<str:payment_id>/3ds/", views.challenge_page, name="challenge"),
    path("onboard/<str:token>/", views.onboarding_page, name="onboarding"),
]
