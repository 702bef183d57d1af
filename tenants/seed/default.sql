-- The built-in seed for the default schema: 200 users, 600 projects,
-- 2,400 tasks and 2,000 activity rows, generated in SQL so it works on
-- MySQL 8 and MariaDB alike.
INSERT INTO users (name, email, password, email_verified_at, created_at, updated_at)
SELECT CONCAT('User ', n), CONCAT('user', n, '@example.test'),
       '$2y$10$92IXUNpkjO0rOQ5byMi.Ye4oKoEa3Ro9llC/.og/at2.uheWG/igi',
       IF(n % 3 = 0, NULL, NOW() - INTERVAL n HOUR), NOW() - INTERVAL n DAY, NOW()
FROM (SELECT a.d + b.d * 10 + c.d * 100 + 1 AS n
      FROM (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) a,
           (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) b,
           (SELECT 0 d UNION ALL SELECT 1) c) seq;

INSERT INTO projects (owner_id, name, description, status, budget, created_at, updated_at)
SELECT u.id, CONCAT('Project ', u.id, '-', k.k), CONCAT('Work stream ', k.k, ' for user ', u.id),
       ELT(1 + (u.id + k.k) % 4, 'planned', 'active', 'done', 'archived'), (u.id * 37 + k.k * 101) % 50000 + 0.5,
       NOW() - INTERVAL u.id DAY, NOW()
FROM users u, (SELECT 1 k UNION ALL SELECT 2 UNION ALL SELECT 3) k;

INSERT INTO tasks (project_id, assignee_id, title, done, due_on, created_at, updated_at)
SELECT p.id, 1 + (p.id * 7 + k.k) % 200, CONCAT('Task ', k.k, ' of project ', p.id), (p.id + k.k) % 2,
       CURRENT_DATE + INTERVAL ((p.id + k.k) % 60) DAY, NOW() - INTERVAL k.k HOUR, NOW()
FROM projects p, (SELECT 1 k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) k;

INSERT INTO activity_log (user_id, action, subject, properties, created_at)
SELECT 1 + t.id % 200, ELT(1 + t.id % 4, 'created', 'updated', 'commented', 'closed'), CONCAT('task:', t.id),
       JSON_OBJECT('task', t.id, 'done', t.done), NOW(6) - INTERVAL t.id MINUTE
FROM tasks t WHERE t.id <= 2000;
