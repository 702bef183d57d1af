# shellcheck shell=bash
# Sourced by the benchmarks that need the sysbench set. With MYSQL (the
# mariadb client's command as an array) set:
#
#   sysbench_tables DB TABLES TABLE_SIZE
#
# fills database DB (it exists) with sysbench's tables sbtest1..TABLES of
# TABLE_SIZE rows each: with sysbench when it is installed, else with
# sysbench's own table and values made by SQL (c is 10 groups of 11 random
# digits, pad 5, k a random integer; MariaDB's sequence engine makes the
# rows).
sysbench_tables() {
	local db=$1 tables=$2 size=$3 digits i
	if command -v sysbench >/dev/null; then
		sysbench oltp_read_write --db-driver=mysql --mysql-host=127.0.0.1 --mysql-user=root --mysql-db="$db" \
			--tables="$tables" --table-size="$size" --threads=2 prepare >/dev/null
		return
	fi
	digits="LPAD(FLOOR(RAND() * 99999999999), 11, '0')"
	for i in $(seq 1 "$tables"); do
		"${MYSQL[@]}" "$db" -e "CREATE TABLE sbtest$i (id INT NOT NULL AUTO_INCREMENT, k INT NOT NULL DEFAULT 0,
			c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', PRIMARY KEY (id)) ENGINE=InnoDB;
			INSERT INTO sbtest$i (id, k, c, pad) SELECT seq, FLOOR(RAND() * $size),
			CONCAT_WS('-', $digits, $digits, $digits, $digits, $digits, $digits, $digits, $digits, $digits, $digits),
			CONCAT_WS('-', $digits, $digits, $digits, $digits, $digits) FROM seq_1_to_$size;
			CREATE INDEX k_$i ON sbtest$i (k); ANALYZE TABLE sbtest$i" >/dev/null
	done
}
