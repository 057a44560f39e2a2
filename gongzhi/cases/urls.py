from django.urls import path

from gongzhi.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.index, name="index"),
    path("report/", views.report, name="report"),
    path("report/locate/", views.locate, name="locate"),
    path("report/<int:pk>/done/", views.report_done, name="report_done"),
    path(
        "report/<int:pk>/resolve/",
        views.case_action,
        {"action": "resolve_on_site", "surface": "done"},
        name="resolve_on_site",
    ),
    path("mine/", views.mine, name="mine"),
    path("queue/", views.queue, name="queue"),
    path("queue/bulk/", views.queue_bulk, name="queue_bulk"),
    path("queue/<int:pk>/<slug:action>/", views.case_action, {"surface": "queue"}, name="queue_action"),
    path("board/", views.board, name="board"),
    path(
        "board/<int:pk>/supervise/",
        views.case_action,
        {"action": "supervise", "surface": "board"},
        name="board_supervise",
    ),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.case_action, name="action"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/feed/", views.campaign_feed, name="campaign_feed"),
    path("campaigns/<int:pk>/post/", views.campaign_post, name="campaign_post"),
    path("kpis/", views.kpis, name="kpis"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/unread-count/", views.unread_count, name="unread_count"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox_read"),
    path("<int:pk>/loop/activity/", views.case_start_activity, name="start_activity"),
    path("<int:pk>/loop/project/", views.case_propose_project, name="propose_project"),
]
