-- No declared foreign keys at all: the suggestion step's job, not extraction's.
CREATE TABLE customer (id INT PRIMARY KEY, name VARCHAR(100));
CREATE TABLE invoice (id INT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(12, 2));
