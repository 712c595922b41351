#pragma once
#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <vector>

namespace af {

/// @brief How one event type is shown. Its texts are templates over the payload: `{field}`
/// takes a non-empty string, `{#field}` a positive number and `{#field|one|other}` a number
/// with its noun ("1 task", "3 tasks"); the first template whose fields are all there wins.
struct EventTypeInfo {
    QString type;         ///< e.g. "badge_earned"
    QString displayName;  ///< the card title
    QString icon;         ///< an emoji
    QStringList describe; ///< a single event's description, best first
    QStringList sample;   ///< one line for one sample payload of a tile, best first
    QString group;        ///< a tile's description over {count}
    QString nounOne, nounOther; ///< "badge" / "badges", for counts in the UI
    QJsonObject example;  ///< a payload of this type, for test events and demo data
};

/// @brief One reaction a tenant can give.
struct ReactionInfo {
    QString name;  ///< "hype"
    QString label; ///< "Hype"
    QString glyph; ///< an emoji
};

/// @brief The numbers the API, the drain and the clients agree on.
struct Limits {
    int commentMaxCodePoints = 0;
    int feedPageDefault = 0;
    int feedPageMax = 0;
    int commentsPageDefault = 0;
    int commentsPageMax = 0;
    int payloadMaxBytes = 0;
    int emitBatchMax = 0;
    int tileWindowSeconds = 0;
    int tileMinRows = 0;
    int tileSamples = 0;
    int replayMax = 0;
    int textFieldMaxChars = 0;
    int commentsPerMinute = 0; ///< per tenant; 429 + Retry-After past it
    int listPageDefault = 0;     ///< a page of the caller's tasks or challenges
    int listPageMax = 0;
    int openTasksMax = 0;        ///< a tenant's tasks not done; 409 past it
    int activeChallengesMax = 0; ///< a tenant's challenges not completed; 409 past it
    int createsPerMinute = 0;    ///< tasks, and challenges, one tenant creates; 429 + Retry-After past it
};

/// @brief The one catalogue of event types, reactions and limits. It is read from the
/// resource `:/catalogue.json`, the same bytes the server hands the browser page, so the
/// desktop, the page and the backend cannot disagree on a name, a glyph or a limit.
class Catalogue
{
public:
    [[nodiscard]] static const std::vector<EventTypeInfo> &eventTypes();
    [[nodiscard]] static QStringList eventTypeNames();
    [[nodiscard]] static bool isKnownType(const QString &type);
    /// @brief nullptr for an unknown type.
    [[nodiscard]] static const EventTypeInfo *type(const QString &type);

    [[nodiscard]] static const std::vector<ReactionInfo> &reactions();
    [[nodiscard]] static QStringList reactionNames();
    /// @brief The reaction's index in reactions(), or -1.
    [[nodiscard]] static int reactionIndex(const QString &name);

    [[nodiscard]] static const Limits &limits();

    /// @brief The description of a single event built from its payload.
    [[nodiscard]] static QString describe(const QString &type, const QJsonObject &payload);
    /// @brief The description of a tile of @p count events, e.g. "5 badges earned".
    [[nodiscard]] static QString describeGroup(const QString &type, int count);
    /// @brief One short line for one sample payload of a tile.
    [[nodiscard]] static QString sampleText(const QString &type, const QJsonObject &payload);

    /// @brief The catalogue as the page receives it (compact JSON).
    [[nodiscard]] static const QByteArray &json();
};

} // namespace af
