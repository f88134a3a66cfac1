"""librdkafka (python3-confluent-kafka) as a transactional client of a Spindle broker.

Usage: transactions.py BOOTSTRAP TOPIC TRANSACTIONAL_ID

Commits one transaction across the topic's two partitions, aborts a second one whose records were
flushed to the broker first, then reads both partitions from the beginning with isolation.level=read_committed
until the end of each and prints one line per record: "PARTITION<TAB>OFFSET<TAB>VALUE". Any error
makes it exit non-zero with the error on stderr.
"""
import sys
import time

from confluent_kafka import Consumer, KafkaError, OFFSET_BEGINNING, Producer, TopicPartition

bootstrap, topic, transactional_id = sys.argv[1], sys.argv[2], sys.argv[3]
TIMEOUT_S = 30


def produce_transaction(producer, prefix, count, commit):
    producer.begin_transaction()
    for i in range(count):
        producer.produce(topic, value="%s-%d" % (prefix, i), partition=i % 2)
    # The records reach the broker before the transaction ends, so an abort has written data to discard.
    remaining = producer.flush(TIMEOUT_S)
    if remaining:
        raise SystemExit("%d records of %s not delivered" % (remaining, prefix))
    if commit:
        producer.commit_transaction(TIMEOUT_S)
    else:
        producer.abort_transaction(TIMEOUT_S)


producer = Producer({
    "bootstrap.servers": bootstrap,
    "transactional.id": transactional_id,
    "transaction.timeout.ms": 60000,
})
producer.init_transactions(TIMEOUT_S)
produce_transaction(producer, "committed", 6, commit=True)
produce_transaction(producer, "aborted", 6, commit=False)
produce_transaction(producer, "committed-after-abort", 4, commit=True)

consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": transactional_id + "-reader",
    "isolation.level": "read_committed",
    "enable.auto.commit": False,
    "enable.partition.eof": True,
})
consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in (0, 1)])
at_end = set()
deadline = time.monotonic() + TIMEOUT_S
while len(at_end) < 2:
    if time.monotonic() > deadline:
        raise SystemExit("read_committed consumer did not reach the end of both partitions in %d s" % TIMEOUT_S)
    message = consumer.poll(1.0)
    if message is None:
        continue
    if message.error():
        if message.error().code() == KafkaError._PARTITION_EOF:
            at_end.add(message.partition())
            continue
        raise SystemExit("consumer error: %s" % message.error())
    print("%d\t%d\t%s" % (message.partition(), message.offset(), message.value().decode("utf-8")), flush=True)
consumer.close()
