-- MySQL commits DDL implicitly, so a transaction around it would only add round trips.
-- +goose NO TRANSACTION
-- +goose Up
CREATE TABLE activity_log (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT UNSIGNED NULL,
    action VARCHAR(64) NOT NULL,
    subject VARCHAR(255) NULL,
    properties JSON NULL,
    created_at TIMESTAMP(6) NULL,
    KEY activity_log_user_id_index (user_id),
    KEY activity_log_created_at_index (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE activity_log;
