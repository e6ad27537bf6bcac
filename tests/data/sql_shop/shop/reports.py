"""Raw SQL the way application code writes it: every kind of finding, and correct queries beside them."""

import sqlite3

connection = sqlite3.connect("shop.db")
cursor = connection.cursor()


def by_email(email):
    cursor.execute("SELECT name FROM shop_customer WHERE lower(email) = ?", (email,))


def misspelt(customer_id):
    cursor.execute("SELECT nme FROM shop_customer WHERE id = ?", (customer_id,))


def injected(customer_id):
    cursor.execute(f"SELECT name FROM shop_customer WHERE id = {customer_id}")


def everything():
    sql = "SELECT * FROM shop_order o, shop_customer c WHERE o.total > 3"
    cursor.execute(sql)


def purge():
    cursor.execute("DELETE FROM shop_order")


def ambiguous():
    cursor.execute(
        "SELECT id FROM shop_order JOIN shop_customer ON shop_customer.id = shop_order.customer_id"
    )


def never_true():
    cursor.execute("SELECT name FROM shop_customer WHERE id NOT IN (SELECT note FROM shop_order)")


def suffix():
    cursor.execute("SELECT name FROM shop_customer WHERE name LIKE '%bob'")


def wrong_table():
    cursor.execute("SELECT name FROM custmer")


def typo():
    cursor.execute("SELEC name FROM shop_customer")


def fine(minimum):
    cursor.execute(
        "SELECT c.name, o.total FROM shop_customer c "
        "JOIN shop_order o ON o.customer_id = c.id "
        "WHERE o.total > ? ORDER BY c.name",
        (minimum,),
    )
    cursor.execute(
        """
        WITH big AS (SELECT customer_id, SUM(total) AS spent FROM shop_order GROUP BY customer_id)
        SELECT c.name, big.spent FROM shop_customer c JOIN big ON big.customer_id = c.id
        WHERE NOT EXISTS (SELECT 1 FROM shop_order o WHERE o.customer_id = c.id AND o.note IS NULL)
        """
    )
