#pragma once
#include <QString>

class QQmlApplicationEngine;

/// @brief For the README: when AF_SCREENSHOT_DIR is set, walks the real window through
/// the feed, an opened tile, an event's comments and the admin page at 1280×800, then the
/// feed at 800×600, saving a PNG of each, and quits.
void startScreenshotTour(QQmlApplicationEngine &engine, const QString &dir);
