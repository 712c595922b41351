#pragma once
// Canned answers for AdminModel in Qt Quick tests and screenshots.
#include "adminbackend.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>

class CannedAdminBackend : public AdminBackend
{
public:
    int queueDepth = 37;
    bool lanOpen = true;

    void answer(QObject *context, Callback done, const QJsonObject &body)
    {
        const auto r = Reply<QJsonObject>::success(body);
        QTimer::singleShot(0, context, [done, r] { done(r); });
    }
    void stats(QObject *c, Callback d) override
    {
        answer(c, d, {{"queueDepth", queueDepth}, {"oldestUnprocessedSeconds", queueDepth ? 252 : QJsonValue()}});
    }
    void drain(std::optional<int>, QObject *c, Callback d) override
    {
        const int rows = queueDepth;
        queueDepth = 0;
        answer(c, d, {{"processed", rows}, {"inserted", rows ? 6 : 0}});
    }
    void previewDrain(QObject *c, Callback d) override
    {
        QJsonArray tiles;
        if (queueDepth) {
            tiles.append(QJsonObject{{"tenantId", 2}, {"tenantName", "Northwind Traders"}, {"eventType", "badge_earned"}, {"icon", "🏅"}, {"description", "12 badges earned"}, {"rows", 12}});
            tiles.append(QJsonObject{{"tenantId", 1}, {"tenantName", "Acme Robotics"}, {"eventType", "tasks_burst"}, {"icon", "⚡"}, {"description", "Completed 14 tasks in 24 hours"}, {"rows", 1}});
            tiles.append(QJsonObject{{"tenantId", 3}, {"tenantName", "Globex"}, {"eventType", "xp_rank_up"}, {"icon", "⬆️"}, {"description", "3 rank ups"}, {"rows", 3}});
        }
        answer(c, d, {{"tiles", tiles}});
    }
    void drainLog(int, QObject *c, Callback d) override
    {
        QJsonArray runs;
        const char *triggers[] = {"desktop", "auto", "cli", "api", "auto"};
        for (int i = 0; i < 5; ++i)
            runs.append(QJsonObject{{"id", 40 - i}, {"started_at", QDateTime::currentDateTimeUtc().addSecs(-600 * (i + 1)).toString(Qt::ISODateWithMs)},
                                    {"trigger", triggers[i]}, {"processed", 20 - 3 * i}, {"inserted", 5 - i},
                                    {"error", i == 3 ? QJsonValue("database unavailable: connection refused") : QJsonValue()}});
        answer(c, d, {{"runs", runs}});
    }
    void tenants(QObject *c, Callback d) override
    {
        auto token = [](int id, const char *label, bool revoked) {
            return QJsonObject{{"id", id}, {"label", label}, {"created_at", "2026-02-20T09:00:00.000000Z"},
                               {"revoked_at", revoked ? QJsonValue("2026-02-22T09:00:00.000000Z") : QJsonValue()}};
        };
        answer(c, d, {{"tenants", QJsonArray{
            QJsonObject{{"id", 1}, {"name", "Acme Robotics"}, {"tokens", QJsonArray{token(1, "desktop", false), token(4, "old laptop", true)}}},
            QJsonObject{{"id", 2}, {"name", "Northwind Traders"}, {"tokens", QJsonArray{token(2, "browser", false)}}},
            QJsonObject{{"id", 3}, {"name", "Globex"}, {"tokens", QJsonArray{token(3, "ci", false)}}}}}});
    }
    void createTenant(const QString &name, QObject *c, Callback d) override
    {
        answer(c, d, {{"id", 9}, {"name", name}, {"token", "aft_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"}});
    }
    void issueToken(int tenantId, const QString &, QObject *c, Callback d) override
    {
        answer(c, d, {{"id", 10}, {"tenantId", tenantId}, {"token", "aft_bmV3dG9rZW5uZXd0b2tlbm5ld3Rva2VubmV3dG9rZW4"}});
    }
    void revokeToken(int, QObject *c, Callback d) override { answer(c, d, {{"ok", true}}); }
    void emitEvent(int, const QString &, const QJsonObject &, QObject *c, Callback d) override
    {
        ++queueDepth;
        answer(c, d, {{"ok", true}});
    }
    void purgeProcessed(int, QObject *c, Callback d) override { answer(c, d, {{"deleted", 120}}); }
    QJsonObject server() const
    {
        return {{"listen", lanOpen ? "0.0.0.0:8787" : "127.0.0.1:8787"}, {"lanOpen", lanOpen},
                {"lanUrls", lanOpen ? QJsonArray{"http://192.168.1.42:8787/"} : QJsonArray{}},
                {"clients", QJsonArray{
                    QJsonObject{{"id", "7"}, {"tenantId", 2}, {"tenantName", "Northwind Traders"}, {"address", "192.168.1.57:50412"}, {"since", "2026-02-23T09:12:00.000000Z"}, {"lastEventId", "1042"}},
                    QJsonObject{{"id", "8"}, {"tenantId", 3}, {"tenantName", "Globex"}, {"address", "127.0.0.1:50900"}, {"since", "2026-02-23T09:40:00.000000Z"}, {"lastEventId", "1043"}}}}};
    }
    void serverStatus(QObject *c, Callback d) override { answer(c, d, server()); }
    void setLanOpen(bool open, QObject *c, Callback d) override
    {
        lanOpen = open;
        answer(c, d, server());
    }
    void disconnectClient(const QString &, QObject *c, Callback d) override { answer(c, d, {{"ok", true}}); }
};
