"""Infrastructure every area uses: configuration, database, errors, i18n, money, time, audit, exports, the printer adapter."""
