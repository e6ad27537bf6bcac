-- Reports the shop's analysts run.
SELECT c.name, COUNT(o.id) AS orders
FROM shop_customer c
LEFT JOIN shop_order o ON o.customer_id = c.id
GROUP BY c.name
ORDER BY orders DESC;

/* a typo in a column */
SELECT c.name, o.totl FROM shop_customer c JOIN shop_order o ON o.customer_id = c.id;

UPDATE shop_order SET note = 'checked';

SELECT name FROM shop_customer WHERE id = 1 AND;
