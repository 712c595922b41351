#pragma once
#include <QString>

/// @brief Where the desktop keeps a remote instance's token: the system keychain
/// (QtKeychain: the Secret Service, KWallet, ...), never the settings file. With no
/// keychain service the token is not kept, and the log says so once.
class TokenStore
{
public:
    /// @brief The token saved for @p url, or empty. Waits for the keychain (at start-up,
    /// before the window exists) for at most a few seconds.
    [[nodiscard]] static QString read(const QString &url);
    /// @brief Saves @p token for @p url; returns false (and logs why) if no keychain took it.
    static bool write(const QString &url, const QString &token);
    /// @brief The token from `--token-file PATH` (first line), else $ACTIVITYFEED_TOKEN;
    /// @p error gets a sentence when the file cannot be used.
    [[nodiscard]] static QString fromFileOrEnvironment(const QString &path, QString *error);
};
