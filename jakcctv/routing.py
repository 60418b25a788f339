"""WebSocket routes. Every consumer scopes through kelurahan.access like any view."""

websocket_urlpatterns = []
