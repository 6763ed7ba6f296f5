from django.urls import path
app_name = "courses"
urlpatterns = []
