"""Infrastructure every area uses: configuration, database, errors, i18n, money, limits, time, audit, the outbox,
the background senders' bookmarks, exports, navigation, the printer adapter and the API document."""
