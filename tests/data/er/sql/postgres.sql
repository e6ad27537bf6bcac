-- PostgreSQL: schema-qualified tables, COMMENT ON, composite keys, ALTER TABLE foreign keys.
CREATE SCHEMA sales;

CREATE TABLE sales.customers (
    id          bigserial PRIMARY KEY,
    email       character varying(255) NOT NULL UNIQUE,
    name        text NOT NULL,
    created_at  timestamp with time zone DEFAULT now()
);

CREATE TABLE sales.orders (
    id           bigserial PRIMARY KEY,
    customer_id  bigint NOT NULL REFERENCES sales.customers (id) ON DELETE CASCADE,
    placed_at    timestamptz NOT NULL,
    note         text
);

CREATE TABLE sales.products (
    sku    varchar(32) PRIMARY KEY,
    price  numeric(10, 2) NOT NULL CHECK (price >= 0)
);

-- composite primary key, each part a foreign key: the order lines
CREATE TABLE sales.order_lines (
    order_id  bigint NOT NULL,
    line_no   integer NOT NULL,
    sku       varchar(32) NOT NULL,
    quantity  integer NOT NULL DEFAULT 1,
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE sales.shipments (
    id        serial PRIMARY KEY,
    order_id  bigint,
    line_no   integer,
    CONSTRAINT shipments_line_fk FOREIGN KEY (order_id, line_no) REFERENCES sales.order_lines (order_id, line_no)
);

CREATE TABLE sales.customer_profiles (
    customer_id bigint PRIMARY KEY REFERENCES sales.customers (id),
    bio text
);

ALTER TABLE ONLY sales.order_lines
    ADD CONSTRAINT order_lines_order_fk FOREIGN KEY (order_id) REFERENCES sales.orders (id);
ALTER TABLE sales.order_lines ADD FOREIGN KEY (sku) REFERENCES sales.products;
ALTER TABLE sales.orders OWNER TO shop;

COMMENT ON TABLE sales.customers IS '客户';
COMMENT ON COLUMN sales.customers.email IS '登录邮箱';
COMMENT ON COLUMN sales.orders.placed_at IS 'When the order was placed';

CREATE INDEX orders_placed_idx ON sales.orders (placed_at);
INSERT INTO sales.products (sku, price) VALUES ('A-1', 9.99);
