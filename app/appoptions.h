#pragma once
#include <QString>
#include <QStringList>

/// @brief Everything the command line and the environment said (the modes, options and environment variables the README lists).
struct AppOptions {
    QString command;          ///< "" (desktop), serve, migrate, drain, tenant, token, emit, arena, demo-data
    QStringList args;         ///< positional arguments after the command
    QString databaseUrl;      ///< empty: managed local database
    QString dataDir;
    QString listenHost = QStringLiteral("127.0.0.1");
    quint16 listenPort = 8787;
    QString remoteUrl;
    QString token;
    int reactionLimit = 10;
    int streamLimitPerTenant = 50; ///< --stream-limit-per-tenant N
    int tenant = 0;           ///< --tenant N (drain)
    int events = 10000;       ///< --events N (demo-data)
    bool json = false;
};
