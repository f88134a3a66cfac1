"""librdkafka (python3-confluent-kafka) through a leader failover, driven by LibrdkafkaFailoverTest.

produce BOOTSTRAP TOPIC COUNT: an idempotent acks=all producer sends COUNT records ("r-<i>") to partition 0, one
every 5 ms, then flushes. Prints "acked <offset> <value>" per delivery report without an error, "failed <value>
<error>" per one with an error, and "fatal <error>" for a fatal error; ends with "done".

consume BOOTSTRAP TOPIC GROUP COUNT: a consumer of GROUP reads until it has COUNT distinct values, committing as it
goes, and prints "read <offset> <value>" per record and "fatal <error>" for a fatal error; ends with "done".

Non-fatal errors librdkafka reports (a broker connection refused while it is down) are retried by librdkafka itself:
they are printed as "info <error>" and are not failures. Every line is flushed at once, so the test can follow it.
"""
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer


def say(*words):
    print(*words, flush=True)


def on_error(error):
    say("fatal" if error.fatal() else "info", str(error).replace("\n", " "))


def produce(bootstrap, topic, count):
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
                         "linger.ms": 5, "error_cb": on_error})

    def delivered(error, message):
        if error is None:
            say("acked", message.offset(), message.value().decode())
        else:
            say("failed", message.value().decode(), str(error).replace("\n", " "))

    for i in range(count):
        producer.produce(topic, value=("r-%d" % i).encode(), partition=0, on_delivery=delivered)
        producer.poll(0)
        time.sleep(0.005)
    remaining = producer.flush(120)
    if remaining:
        say("fatal", "%d records not delivered within 120 s" % remaining)
    say("done")


def consume(bootstrap, topic, group, count):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                         "enable.auto.commit": True, "auto.commit.interval.ms": 200, "error_cb": on_error})
    consumer.subscribe([topic])
    seen = set()
    deadline = time.time() + 150
    while len(seen) < count and time.time() < deadline:
        message = consumer.poll(0.2)
        if message is None:
            continue
        if message.error():
            if message.error().code() != KafkaError._PARTITION_EOF:
                on_error(message.error())
            continue
        value = message.value().decode()
        seen.add(value)
        say("read", message.offset(), value)
    consumer.close()
    say("done")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "produce":
        produce(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        consume(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
