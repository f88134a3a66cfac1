package io.spindle.broker.txn;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.txn.TransactionMetadata;
import io.spindle.txn.TransactionState;
import io.spindle.txn.Transactions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ListTransactionsRequest;
import org.apache.kafka.common.requests.ListTransactionsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * ListTransactions (KIP-664; versions 0 to 2): every transactional id this broker coordinates, with its producer id
 * and state under Kafka's name, filtered as asked: by state names (unknown ones are echoed back), producer ids, a
 * minimum running time (v1, open transactions only) and a regular expression on the id (v2; an invalid one is
 * INVALID_REGULAR_EXPRESSION). Forgotten (Dead) ids are not listed.
 */
final class ListTransactionsHandler extends VersionedApiHandler {
    private final Transactions transactions;
    private final Clock clock;

    ListTransactionsHandler(Transactions transactions, Clock clock) {
        super(ApiKeys.LIST_TRANSACTIONS);
        this.transactions = transactions;
        this.clock = clock;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        ListTransactionsRequestData data = ((ListTransactionsRequest) request).data();
        ListTransactionsResponseData response = new ListTransactionsResponseData();
        Pattern pattern = null;
        if (data.transactionalIdPattern() != null && !data.transactionalIdPattern().isEmpty()) {
            try {
                pattern = Pattern.compile(data.transactionalIdPattern());
            } catch (PatternSyntaxException e) {
                return CompletableFuture.completedFuture(ApiResponse.of(new ListTransactionsResponse(response
                        .setErrorCode(Errors.INVALID_REGULAR_EXPRESSION.code()))));
            }
        }
        Set<String> known = new HashSet<>();
        for (TransactionState state : TransactionState.values()) {
            known.add(state.kafkaName());
        }
        Set<String> states = new HashSet<>();
        List<String> unknown = new ArrayList<>();
        for (String filter : data.stateFilters()) {
            (known.contains(filter) ? states : unknown).add(filter);
        }
        if (!unknown.isEmpty()) {
            response.setUnknownStateFilters(unknown);
        }
        Set<Long> producerIds = new HashSet<>(data.producerIdFilters());
        long now = clock.millis();
        List<TransactionMetadata> all = new ArrayList<>(transactions.all());
        all.sort(Comparator.comparing(TransactionMetadata::transactionalId));
        for (TransactionMetadata m : all) {
            if (m.state() == TransactionState.DEAD
                    || (!data.stateFilters().isEmpty() && !states.contains(m.state().kafkaName()))
                    || (!producerIds.isEmpty() && !producerIds.contains(m.producerId()))
                    || (data.durationFilter() >= 0 && (m.startTimestampMs() < 0 || now - m.startTimestampMs() < data.durationFilter()))
                    || (pattern != null && !pattern.matcher(m.transactionalId()).matches())) {
                continue;
            }
            response.transactionStates().add(new ListTransactionsResponseData.TransactionState()
                    .setTransactionalId(m.transactionalId()).setProducerId(m.producerId())
                    .setTransactionState(m.state().kafkaName()));
        }
        return CompletableFuture.completedFuture(ApiResponse.of(new ListTransactionsResponse(response)));
    }
}
